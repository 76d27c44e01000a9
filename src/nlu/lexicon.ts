/**
 * Word lists shared by the NLU modules (Spanish and English). Lower-case; accented forms are listed
 * where people commonly type them both ways.
 */

const list = (s: string): Set<string> => new Set(s.split(/\s+/u).filter((w) => w.length > 0));

/** Frequent Spanish function words and conversation verbs (language evidence, never names). */
export const ES_WORDS = list(`
  de la que el en y los se del las por un para con una su al lo como más mas pero sus le ya o este
  sí porque esta entre cuando muy sin sobre también tambien hasta hay donde quien desde todo nos
  durante todos uno les ni contra otros ese eso ante ellos esto mí antes algunos qué unos yo otro
  otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo
  nosotros mis tú ti tu tus ellas es son está esta están estan estoy estamos era fue ser tengo tiene
  tenemos tienen necesito necesitamos necesita quiero queremos quisiera gustaría gustaria busco
  buscamos puedo podemos pueden puede podría podria hacer saber información informacion ayuda
  gracias favor bueno buena buenos buenas días dias tardes noches llamo soy correo empresa
  problema problemas funciona sistema cuánto cuanto cuesta precio precios planes cotización
  cotizacion nuestro nuestra nuestros nuestras usted ustedes ahora hoy mañana aquí aqui sobre
  dónde donde cómo como porqué tiempo entrega entregas pedido pedidos cuenta factura también
  claro vale listo perfecto señor señora mensaje escribo escribe saludos cliente clientes
  nombre teléfono telefono celular encargado encargada compras ventas soporte hola holi
`);

/** Frequent English function words and conversation verbs. */
export const EN_WORDS = list(`
  the be to of and in that have i it for not on with he as you do at this but his by from they we
  say her she or an will my one all would there their what so up out if about who get which go when
  make can like time just him know take is are was were been has had does did doesn't don't isn't
  can't cannot won't i'm i've i'd i'll we're we've it's that's there's let's our your yours hi
  hello hey thanks thank please need needs want wants looking help email company problem problems
  issue issues working work works price prices pricing plans plan quote how much where why could
  should may might some any these those them then than also only very well here today tomorrow now
  name phone number account invoice order orders delivery team business interested info information
  good morning afternoon evening yes yeah sure okay something anything everything
`);

/** Words people greet with or use as small talk. */
export const GREETINGS = list(`
  hola holi holaa buenas buenos buen día dia días dias tardes noches saludos que qué tal onda cómo
  como está esta están estan estás estas hi hello hey hiya howdy good morning afternoon evening
  how are you doing greetings there all everyone equipo team ola
`);

/** Short yes / no / thanks / filler answers: never a name or a company. */
export const FILLERS = list(`
  sí si no ok okay vale claro listo perfecto gracias muchas thanks thank you yes yeah yep nope
  sure right fine bien muy good great de nada por favor please hmm ah eh pues bueno nada
`);

/** Lower-case particles inside personal and company names. */
export const NAME_PARTICLES = list(`de del la las los y van von da di dos du le`);

/** Courtesy and professional titles kept in front of a name, by lower-case key without dot. */
export const TITLES: ReadonlyMap<string, string> = new Map([
  ['ing', 'Ing.'],
  ['ingeniero', 'Ing.'],
  ['ingeniera', 'Ing.'],
  ['lic', 'Lic.'],
  ['licda', 'Licda.'],
  ['licenciado', 'Lic.'],
  ['licenciada', 'Lic.'],
  ['dr', 'Dr.'],
  ['doctor', 'Dr.'],
  ['dra', 'Dra.'],
  ['doctora', 'Dra.'],
  ['sr', 'Sr.'],
  ['señor', 'Sr.'],
  ['sra', 'Sra.'],
  ['señora', 'Sra.'],
  ['srta', 'Srta.'],
  ['señorita', 'Srta.'],
  ['arq', 'Arq.'],
  ['arquitecto', 'Arq.'],
  ['arquitecta', 'Arq.'],
  ['mtro', 'Mtro.'],
  ['mtra', 'Mtra.'],
  ['maestro', 'Mtro.'],
  ['maestra', 'Mtra.'],
  ['prof', 'Prof.'],
  ['profa', 'Profa.'],
  ['profesor', 'Prof.'],
  ['profesora', 'Profa.'],
  ['mr', 'Mr.'],
  ['mrs', 'Mrs.'],
  ['ms', 'Ms.'],
  ['miss', 'Miss'],
]);

/**
 * Words that follow "soy / I'm / this is…" without being a name: roles, states, places' prepositions,
 * adjectives. Together with ES_WORDS and EN_WORDS this guards against false names.
 */
export const NOT_NAME = list(`
  el la los las un una uno de del desde en a al the an from in at on with of for by
  cliente clienta usuario usuaria encargado encargada gerente director directora dueño dueña jefe
  jefa responsable parte socio socia interesado interesada nuevo nueva estudiante proveedor
  representante asistente administrador administradora contador contadora vendedor vendedora
  programador programadora desarrollador ingeniero ingeniera técnico tecnico médico medico
  abogado abogada aquí aqui yo alguien persona empresa de quien feliz así asi tan muy bien mal
  urgente importante inglés ingles español espanol mexicano mexicana latino
  having interested looking trying not here new good fine just so very calling writing sure sorry
  glad happy wondering going still also really customer client user owner manager the ok okay
  back afraid unable able currently contacting reaching following interested trying working
  urgent important english spanish someone person company from one part responsible in charge
  a an my your our their this that it there what who
  necesito quiero tengo tenemos busco buscamos queremos quisiera podría podria puedo estoy
  need want have looking would like hello hi hey hola gracias thanks please
  ventas compras soporte sistemas marketing finanzas contabilidad sales support billing
  ninguna ninguno none no sí si yes n/a independiente freelance particular personal
  adiós adios bye goodbye chao chau hasta luego gracias perdón perdon sorry disculpe
`);

/** Places people say they write from ("soy de Monterrey"): never a name or a company. */
export const PLACES = list(`
  méxico mexico monterrey guadalajara cdmx puebla querétaro queretaro tijuana mérida merida león leon
  cancún cancun chihuahua saltillo toluca veracruz oaxaca morelia hermosillo culiacán culiacan
  aguascalientes bogotá bogota medellín medellin cali colombia lima perú peru santiago chile
  buenos aires argentina madrid barcelona españa espana valencia sevilla quito ecuador caracas
  venezuela guatemala panamá panama costa rica uruguay montevideo paraguay bolivia miami texas
  california florida usa eeuu new york london canada canadá toronto
`);
